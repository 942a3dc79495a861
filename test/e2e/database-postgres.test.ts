import { describeEndToEnd } from './end-to-end.js';

describeEndToEnd('postgres');
