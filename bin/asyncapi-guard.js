#!/usr/bin/env node
// The CLI, bundled into one module at build time (scripts/build-cli.mjs) for a fast start.
import '../dist/cli/asyncapi-guard.mjs';
