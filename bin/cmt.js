#!/usr/bin/env node
// The `cmt` command. The sources are TypeScript run through tsx's loader (ADR 0001), so a clone works
// after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
