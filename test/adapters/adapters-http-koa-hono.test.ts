import { describeAdapterBehaviour } from './adapter-behaviour.js';
import { FRAMEWORK_GROUPS } from './frameworks.js';

// node:http, Koa and Hono: what every adapter must do (see describeAdapterBehaviour).
describeAdapterBehaviour(FRAMEWORK_GROUPS.nodeHttpKoaAndHono);
