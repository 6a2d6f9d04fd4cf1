import { describe } from 'node:test';
import { chaosTests } from '../support/chaos.js';

describe('fault scenario, short: kill -9 spread over two cores and two edges with the engine faults on (real processes, real stack)', () => chaosTests(['cluster-crashes']));
