import type { TestProject } from 'vitest/node';
import { startBestMongo } from './mongo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    mongoKind: 'uri' | 'mongod' | 'double';
  }
}

/** Starts one MongoDB (or the double) for the whole run and says once which one it is. */
export default async function setup(project: TestProject) {
  const mongo = await startBestMongo();
  console.log(mongo.label);
  project.provide('mongoUri', mongo.uri);
  project.provide('mongoKind', mongo.kind);
  return () => mongo.stop();
}
