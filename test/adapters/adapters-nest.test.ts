import { describeAdapterBehaviour } from './adapter-behaviour.js';
import { FRAMEWORK_GROUPS } from './frameworks.js';

// NestJS on each of its platforms: what every adapter must do (see describeAdapterBehaviour).
describeAdapterBehaviour(FRAMEWORK_GROUPS.nest);
