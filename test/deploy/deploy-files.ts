// Readers shared by the deployment tests: the repository's Dockerfile, compose file and
// Kubernetes manifests, parsed the way the real tools read them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const k8sDir = join(repoRoot, 'k8s');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Kubernetes object as read from a manifest; only the fields every object carries are typed. */
export interface K8sObject {
  [field: string]: unknown;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface ManifestDoc {
  file: string;
  object: K8sObject;
}

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** Every document of a YAML file; YAML 1.1 merge keys (`<<`) resolved as Compose does. */
export function readYamlDocuments(path: string): JsonObject[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  const list = Array.isArray(documents) ? documents : [documents];
  return list
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
      return doc.toJS({ maxAliasCount: 100 }) as JsonObject | null;
    })
    .filter((doc): doc is JsonObject => doc !== null);
}

/** YAML files under k8s/ (recursively), relative to k8s/, sorted. */
export function k8sYamlFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : /\.ya?ml$/.test(name) ? [path] : [];
    });
  return walk(k8sDir)
    .map((path) => relative(k8sDir, path))
    .sort();
}

export interface Kustomization {
  namespace: string;
  resources: string[];
  images: { name: string; newName?: string; newTag?: string }[];
}

export function readKustomization(): Kustomization {
  return readYamlDocuments(join(k8sDir, 'kustomization.yaml'))[0] as unknown as Kustomization;
}

/** Objects of the given k8s/ files. */
export function loadManifests(files: string[]): ManifestDoc[] {
  return files.flatMap((file) =>
    readYamlDocuments(join(k8sDir, file)).map((object) => ({ file, object: object as unknown as K8sObject })),
  );
}

/** What `kubectl apply -k k8s` creates (the resources listed in kustomization.yaml). */
export function loadKustomizedManifests(): ManifestDoc[] {
  return loadManifests(readKustomization().resources);
}

export function findObject(docs: ManifestDoc[], kind: string, name: string): K8sObject {
  const found = docs.find((doc) => doc.object.kind === kind && doc.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the manifests`);
  return found.object;
}

/**
 * Compose variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$`), with
 * every variable unset so the file's own defaults are what gets checked. Compose interpolates
 * before it validates, so the schema sees these values too.
 */
export function interpolateComposeDefaults(text: string): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name, operator, fallback) => {
    if (match === '$$') return '$';
    if (operator === ':?' || operator === '?') throw new Error(`compose variable ${name} is required`);
    return operator ? String(fallback) : '';
  });
}

export interface ComposeService {
  [field: string]: unknown;
  environment?: Record<string, string | number | boolean | null>;
}

export interface ComposeFile {
  [field: string]: unknown;
  services: Record<string, ComposeService>;
}

/** docker-compose.yml as Compose sees it with no variables set: interpolated, merged. */
export function readCompose(): ComposeFile {
  const text = interpolateComposeDefaults(readRepoFile('docker-compose.yml'));
  return parseYaml(text, { merge: true, maxAliasCount: 100 }) as ComposeFile;
}

/** Go duration ("30s", "1m30s", "500ms") in milliseconds, as Compose parses it. */
export function goDurationMs(value: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value) throw new Error(`bad duration ${value}`);
  return parts.reduce((total, part) => total + Number(part[1]) * units[part[2]!]!, 0);
}

/** One Dockerfile instruction after line continuations are joined. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

export interface DockerStage {
  name: string | undefined;
  from: string;
  instructions: DockerInstruction[];
}

/** Splits a Dockerfile into instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== '' && line.trimStart().startsWith('#')) return;
    if (pending === '') startLine = index + 1;
    const continued = line.endsWith('\\');
    pending += (pending ? ' ' : '') + (continued ? line.slice(0, -1) : line).trim();
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending)!;
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: startLine });
    pending = '';
  });
  if (pending !== '') throw new Error('Dockerfile ends inside a line continuation');
  return instructions;
}

/** Groups instructions into stages; global ARGs (before the first FROM) are returned apart. */
export function dockerStages(instructions: DockerInstruction[]): {
  globalArgs: Map<string, string>;
  stages: DockerStage[];
} {
  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`bad FROM at line ${instruction.line}`);
      stages.push({ name: match[2]?.toLowerCase(), from: match[1]!, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`${instruction.keyword} before the first FROM`);
      const [name, value = ''] = instruction.args.split('=', 2);
      globalArgs.set(name!, value);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/**
 * The instructions a target image inherits, oldest first: its own and those of the stages
 * it is built FROM, following `FROM <stage>` links.
 */
export function stageChain(stages: DockerStage[], target: string): DockerStage[] {
  const chain: DockerStage[] = [];
  let current = stages.find((stage) => stage.name === target);
  while (current) {
    chain.unshift(current);
    const parent = current.from.toLowerCase();
    current = stages.find((stage) => stage.name === parent);
  }
  return chain;
}
