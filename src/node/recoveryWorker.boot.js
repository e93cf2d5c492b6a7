// Entry of the signature-recovery thread: the sources are TypeScript run through tsx (ADR 0001), and a worker
// does not inherit the loader the main thread registered, so it registers its own.
import { register } from 'tsx/esm/api';

register();
await import('./recoveryWorker.ts');
