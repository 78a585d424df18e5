// Checks requests and responses of the GitHub REST stand-in against GitHub's published OpenAPI
// description (@octokit/openapi, api.github.com, OpenAPI 3.0.3). Only the schemas reachable from
// the operations we use are converted and compiled: the full description is too large for that.
//
// OpenAPI 3.0 is not JSON Schema: `nullable: true` becomes `anyOf [schema, null]`, annotation
// keywords ajv does not know (example, discriminator, xml, externalDocs, x-*) are dropped, and
// `#/components/schemas/X` refs point into one compiled definitions document. Formats that
// ajv-formats does not define (GitHub's own, like int64 or uri-template) are accepted as-is.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Spec {
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    headers: Record<string, JsonObject>;
  };
}

export interface MatchedOperation {
  operationId: string;
  method: string;
  template: string;
  pathParams: Record<string, string>;
  docsUrl: string;
}

interface CompiledOperation {
  operationId: string;
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  docsUrl: string;
  params: Array<{ name: string; in: string; required: boolean; validate: ValidateFunction; type: string | undefined }>;
  body?: { required: boolean; validate: ValidateFunction };
  responses: Map<string, ValidateFunction | 'empty'>;
}

const DEFS_ID = 'https://stand-in.invalid/github-openapi.json';
const DROPPED = new Set(['example', 'examples', 'discriminator', 'xml', 'externalDocs']);

export function githubOpenApiPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function localRef(ref: string, kind: string): string | undefined {
  const prefix = `#/components/${kind}/`;
  return ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
}

/** OpenAPI 3.0 schema to JSON Schema (draft-07 as ajv reads it); records schema refs it meets. */
function convert(schema: Json, refs: Set<string>, formats: Set<string>): Json {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, refs, formats));
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') {
      const name = localRef(value, 'schemas');
      if (name === undefined) throw new Error(`Unsupported $ref ${value}`);
      refs.add(name);
      out.$ref = `${DEFS_ID}#/definitions/${name}`;
    } else if (key === 'format' && typeof value === 'string') {
      formats.add(value);
      out.format = value;
    } else if (key === 'properties' && isObject(value)) {
      // Property names are data, not keywords: convert each value but keep every name.
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, refs, formats)]));
    } else {
      out[key] = convert(value, refs, formats);
    }
  }
  if (schema.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

export class OpenApiValidator {
  readonly operations: CompiledOperation[] = [];

  /** Compiles the request and response schemas of the given operationIds. */
  constructor(operationIds: string[], specPath = githubOpenApiPath()) {
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;
    const refs = new Set<string>();
    const formats = new Set<string>();
    const wanted = new Set(operationIds);
    const found: Array<{ template: string; method: string; op: JsonObject; pathParams: Json[] }> = [];
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (isObject(op) && typeof op.operationId === 'string' && wanted.has(op.operationId)) {
          found.push({
            template,
            method: method.toUpperCase(),
            op,
            pathParams: (item.parameters as unknown as Json[]) ?? [],
          });
          wanted.delete(op.operationId);
        }
      }
    }
    if (wanted.size > 0) throw new Error(`Operations not in GitHub's OpenAPI description: ${[...wanted].join(', ')}`);

    const deref = (v: Json, kind: 'parameters' | 'responses' | 'headers'): JsonObject => {
      if (isObject(v) && typeof v.$ref === 'string') {
        const name = localRef(v.$ref, kind);
        const target = name === undefined ? undefined : spec.components[kind][name];
        if (!target) throw new Error(`Unresolvable ${v.$ref}`);
        return target;
      }
      return v as JsonObject;
    };

    // First pass: convert operation-level schemas (recording component refs).
    type Pending = {
      entry: (typeof found)[number];
      params: Array<{ name: string; in: string; required: boolean; schema: Json }>;
      body?: { required: boolean; schema: Json };
      responses: Map<string, Json | 'empty'>;
    };
    const pending: Pending[] = found.map((entry) => {
      const params = [...entry.pathParams, ...((entry.op.parameters as Json[]) ?? [])]
        .map((p) => deref(p, 'parameters'))
        .map((p) => ({
          name: String(p.name),
          in: String(p.in),
          required: p.required === true,
          schema: convert(p.schema ?? {}, refs, formats),
        }));
      let body: Pending['body'];
      const rb = entry.op.requestBody;
      if (isObject(rb) && isObject(rb.content) && isObject(rb.content['application/json'])) {
        body = {
          required: rb.required === true,
          schema: convert(rb.content['application/json'].schema ?? {}, refs, formats),
        };
      }
      const responses = new Map<string, Json | 'empty'>();
      for (const [status, r] of Object.entries(entry.op.responses as JsonObject)) {
        const resp = deref(r, 'responses');
        const content = isObject(resp.content) ? resp.content['application/json'] : undefined;
        responses.set(
          status,
          isObject(content) && content.schema !== undefined ? convert(content.schema, refs, formats) : 'empty',
        );
      }
      return { entry, params, body, responses };
    });

    // Second pass: convert every component schema reachable from those (transitively).
    const definitions: JsonObject = {};
    const basicError = 'basic-error';
    refs.add(basicError);
    const queue = [...refs];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (name in definitions) continue;
      const before = new Set(refs);
      const source = spec.components.schemas[name];
      if (!source) throw new Error(`Schema ${name} missing from the description`);
      definitions[name] = convert(source, refs, formats);
      for (const r of refs) if (!before.has(r)) queue.push(r);
    }

    const ajv = new Ajv({
      strict: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
      allowUnionTypes: true,
      allErrors: true,
    });
    addFormats(ajv);
    for (const f of formats) if (!ajv.formats[f]) ajv.addFormat(f, true);
    ajv.addSchema({ $id: DEFS_ID, definitions });
    const errorBody = ajv.compile({ $ref: `${DEFS_ID}#/definitions/${basicError}` });

    for (const p of pending) {
      const { template, method, op } = p.entry;
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const regex = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)')}$`,
      );
      const responses = new Map<string, ValidateFunction | 'empty'>();
      for (const [status, schema] of p.responses)
        responses.set(status, schema === 'empty' ? 'empty' : ajv.compile(schema as JsonObject));
      responses.set('error', errorBody);
      const docs =
        isObject(op.externalDocs) && typeof op.externalDocs.url === 'string'
          ? op.externalDocs.url
          : 'https://docs.github.com/rest';
      this.operations.push({
        operationId: String(op.operationId),
        method,
        template,
        regex,
        names,
        docsUrl: docs,
        params: p.params.map((q) => ({
          name: q.name,
          in: q.in,
          required: q.required,
          validate: ajv.compile(q.schema as JsonObject),
          type: isObject(q.schema) && typeof q.schema.type === 'string' ? q.schema.type : undefined,
        })),
        ...(p.body ? { body: { required: p.body.required, validate: ajv.compile(p.body.schema as JsonObject) } } : {}),
        responses,
      });
    }
  }

  match(method: string, pathname: string): MatchedOperation | undefined {
    for (const op of this.operations) {
      if (op.method !== method) continue;
      const m = op.regex.exec(pathname);
      if (!m) continue;
      const pathParams = Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      return { operationId: op.operationId, method, template: op.template, pathParams, docsUrl: op.docsUrl };
    }
    return undefined;
  }

  private op(operationId: string): CompiledOperation {
    const op = this.operations.find((o) => o.operationId === operationId);
    if (!op) throw new Error(`Operation ${operationId} not compiled`);
    return op;
  }

  /** Problems with a request; empty when it conforms. Query and path values arrive as strings. */
  validateRequest(
    operationId: string,
    pathParams: Record<string, string>,
    query: URLSearchParams,
    body: unknown,
  ): string[] {
    const op = this.op(operationId);
    const problems: string[] = [];
    for (const p of op.params) {
      if (p.in !== 'path' && p.in !== 'query') continue;
      const raw = p.in === 'path' ? pathParams[p.name] : (query.get(p.name) ?? undefined);
      if (raw === undefined) {
        if (p.required) problems.push(`${operationId}: missing required ${p.in} parameter ${p.name}`);
        continue;
      }
      const value =
        p.type === 'integer' || p.type === 'number'
          ? /^-?\d+(\.\d+)?$/.test(raw)
            ? Number(raw)
            : raw
          : p.type === 'boolean'
            ? raw === 'true'
              ? true
              : raw === 'false'
                ? false
                : raw
            : raw;
      if (!p.validate(value))
        problems.push(`${operationId}: ${p.in} parameter ${p.name}=${raw}: ${ajvText(p.validate)}`);
    }
    const known = new Set(op.params.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of query.keys())
      if (!known.has(name)) problems.push(`${operationId}: undocumented query parameter ${name}`);
    if (op.body) {
      if (body === undefined) {
        if (op.body.required) problems.push(`${operationId}: missing request body`);
      } else if (!op.body.validate(body)) {
        problems.push(`${operationId}: request body: ${ajvText(op.body.validate)}`);
      }
    } else if (body !== undefined) {
      problems.push(`${operationId}: takes no request body`);
    }
    return problems;
  }

  /**
   * Problems with a response. A status the operation documents is checked against its schema;
   * an undocumented 4xx/5xx against GitHub's basic-error (the description lists error statuses
   * per operation incompletely, e.g. no 403 for repos/get-environment); an undocumented 2xx fails.
   */
  validateResponse(operationId: string, status: number, body: unknown): string[] {
    const op = this.op(operationId);
    const documented = op.responses.get(String(status));
    const check = documented ?? (status >= 400 ? op.responses.get('error') : undefined);
    if (check === undefined) return [`${operationId}: status ${status} is not documented`];
    if (check === 'empty')
      return body === undefined ? [] : [`${operationId}: status ${status} has no body, but one was sent`];
    if (body === undefined) return [`${operationId}: status ${status} needs a JSON body`];
    return check(body) ? [] : [`${operationId}: response ${status}: ${ajvText(check)}`];
  }
}

function ajvText(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
    .join('; ');
}
