import { describe } from 'node:test';
import { chaosTests } from '../support/chaos.js';

describe('fault scenarios, short: malformed engine messages, WebSocket abuse, a soak (real service and clients)', () => chaosTests(['bad-input', 'ws-abuse', 'soak']));
