#!/usr/bin/env node
import { runCli } from './run.js';

// exitCode rather than exit(): stdout still flushes when it is a pipe.
process.exitCode = await runCli(process.argv.slice(2));
