import { describeAdapterBehaviour } from './adapter-behaviour.js';
import { FRAMEWORK_GROUPS } from './frameworks.js';

// Fastify 5, Express 5 and Express 4: what every adapter must do (see describeAdapterBehaviour).
describeAdapterBehaviour(FRAMEWORK_GROUPS.fastifyAndExpress);
