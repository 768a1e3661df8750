import { scramSha256 } from '../../src/schemes/scram-sha256.js';
import { scramVerifierTests } from './scram.js';

scramVerifierTests(scramSha256, 'SHA-256', 'SCRAM-SHA-256');
