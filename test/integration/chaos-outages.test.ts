import { describe } from 'node:test';
import { chaosTests } from '../support/chaos.js';

describe('fault scenarios, short: the broker, the registry and the stores stopped under load (stack/stack.sh)', () => chaosTests(['broker', 'registry', 'stores']));
