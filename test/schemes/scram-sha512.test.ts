import { scramSha512 } from '../../src/schemes/scram-sha512.js';
import { scramVerifierTests } from './scram.js';

scramVerifierTests(scramSha512, 'SHA-512', 'SCRAM-SHA-512');
