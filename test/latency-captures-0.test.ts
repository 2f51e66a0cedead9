import { latencyCaptureTests } from './helpers/latencyCaptures.js';

latencyCaptureTests(0);
