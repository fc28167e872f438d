import { describeStorageAdapter } from 'bankcore/testing';
import { memoryAdapter } from 'bankcore/memory';

describeStorageAdapter('memory adapter', () => memoryAdapter());
