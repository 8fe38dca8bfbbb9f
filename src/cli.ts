#!/usr/bin/env node
import { runCli } from './cli/run-cli.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, env: process.env });
process.exitCode = code;
