import { describe } from 'node:test';
import { chaosTests } from '../support/chaos.js';

describe('fault scenario, short: kill -9 with the engine faults on (real processes, real stack)', () => chaosTests(['crashes']));
