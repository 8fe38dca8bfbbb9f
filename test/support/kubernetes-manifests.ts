import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

/** One rendered Kubernetes object, as kustomize prints it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * `kubectl kustomize DIR`, offline, as CI runs it. kubectl must be on PATH (CI installs Debian's
 * kubernetes-client): without it this fails saying so, it never skips.
 */
export function renderKustomize(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('kubectl is not on PATH: install it (Debian: apt-get install kubernetes-client; .ci/run does) to render deploy/kubernetes', { cause: error });
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`, { cause: error });
  }
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
}

/** The kubernetes-models module of a built-in kind: `kubernetes-models/<group>/<version>/<Kind>` (core: `v1/<Kind>`). */
function modelPath(o: K8sObject): string {
  return `kubernetes-models/${o.apiVersion}/${o.kind}`;
}

/**
 * Every way the objects depart from Kubernetes' schemas, one line each (empty: all valid), in two passes over
 * kubernetes-models (the API's OpenAPI schemas):
 * - its validator: types, enums, formats and required fields; a kind it has no model for is a failure;
 * - the TypeScript compiler over the objects typed with its interfaces: a field the schema does not know
 *   (a typo) is an error there, while the validator lets unknown fields through, as the API server does
 *   unless asked for strict field validation, and then silently drops them.
 */
export async function schemaFailures(objects: readonly K8sObject[]): Promise<string[]> {
  const failures: string[] = [];
  const known: K8sObject[] = [];
  for (const o of objects) {
    const what = `${o.kind}/${o.metadata.name}`;
    let model: new (data: unknown) => { validate(): void };
    try {
      model = ((await import(modelPath(o))) as Record<string, new (data: unknown) => { validate(): void }>)[o.kind]!;
    } catch {
      failures.push(`${what}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new model(o).validate();
      known.push(o);
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message}`);
    }
  }
  return [...failures, ...unknownFields(known)];
}

/** The strict pass: one declaration per object, one object per line, so a diagnostic's line names its object. */
function unknownFields(objects: readonly K8sObject[]): string[] {
  const file = join(process.cwd(), 'test', '__rendered-k8s-objects.ts');
  const imports = objects.map((o, i) => `import type { I${o.kind} as T${i} } from '${modelPath(o)}';`);
  const declarations = objects.map((o, i) => `export const o${i}: T${i} = ${JSON.stringify(o)};`);
  const source = [...imports, ...declarations].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  // The objects' file lives only in memory, beside the tests so that kubernetes-models resolves from node_modules.
  const disk = ts.createCompilerHost(options);
  const host: ts.CompilerHost = {
    ...disk,
    fileExists: (f) => f === file || disk.fileExists(f),
    readFile: (f) => (f === file ? source : disk.readFile(f)),
    getSourceFile: (f, language, ...rest) => (f === file ? ts.createSourceFile(f, source, language) : disk.getSourceFile(f, language, ...rest)),
  };
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line - imports.length : -1;
    const o = objects[line];
    return `${o ? `${o.kind}/${o.metadata.name}` : 'rendered objects'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
