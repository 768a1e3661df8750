// The `asyncapi-guard` executable: runs when loaded (bin/asyncapi-guard.js imports it).
// The program is imported dynamically so that even a module that fails to load (a broken
// install, a bug) ends with exit code 2 and a one-line reason, not Node's code 1 and a stack.

try {
  const { main } = await import('./program.js');
  // Set the code and let Node exit by itself, so a large report piped to another program is
  // written out completely.
  process.exitCode = await main(process.argv);
  // "Could not run": nothing more is coming, but a half-open handle (a broker connection that
  // never completed, whose socket the client library leaves open) must not keep the process
  // alive. The timer is unref'd, so it fires only when something else still holds the loop.
  if (process.exitCode === 2) setTimeout(() => process.exit(2), 500).unref();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`internal error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  if (process.env.ASYNCAPI_GUARD_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  else
    process.stderr.write(
      'This is a bug in asyncapi-guard; please report it at ' +
        'https://github.com/asyncapi-guard/asyncapi-guard/issues (ASYNCAPI_GUARD_DEBUG=1 shows the stack).\n',
    );
  process.exitCode = 2;
}
