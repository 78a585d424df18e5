// Runs after `ncc build` (npm run build) of the action (dist/) and of the CLI (dist/cli/). ncc splits
// each dynamic import() into a chunk file (<dir>/<id>.index.js) but minifies only <dir>/index.js, and
// copies every file a dependency might read at run time. For each bundle, this script:
// - checks that every chunk the bundle can load is in dist/ (a missing one fails only when a phase runs);
// - removes what the action never loads: grpc-js's .proto folders (read only by its channelz admin
//   service and by xDS load reporting, neither of which an etcd client uses);
// - minifies the chunks the way ncc minifies index.js.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { minify } from 'terser';

const root = join(import.meta.dirname, '..');
const BUNDLES = ['dist', 'dist/cli'];
const NEVER_LOADED = ['proto', 'protoc-gen-validate', 'xds'];
const CHUNK = /^\d+\.index\.js$/;

async function finish(dist: string): Promise<string> {
  // The chunks index.js loads, and those they load in turn. Unminified chunks call
  // __webpack_require__.e(/* import() */ 123) or .e(123) inside Promise.all; index.js, minified, .e(123).
  const loads = (file: string) =>
    [
      ...readFileSync(join(dist, file), 'utf8').matchAll(
        /__(?:nccwpck|webpack)_require__\.e\((?:\/\*[^*]*\*\/\s*)?(\d+)\)/g,
      ),
    ].map((m) => `${m[1]}.index.js`);
  const wanted = new Set<string>();
  const todo = ['index.js'];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (f !== 'index.js' && !existsSync(join(dist, f)))
      throw new Error(`dist/ lacks ${f}, a chunk the bundle loads. Run npm run build again.`);
    for (const c of loads(f))
      if (!wanted.has(c)) {
        wanted.add(c);
        todo.push(c);
      }
  }
  // ncc writes into dist/ without emptying it: a chunk nothing loads is left from an earlier build.
  for (const f of readdirSync(dist).filter((x) => CHUNK.test(x) && !wanted.has(x))) rmSync(join(dist, f));

  for (const d of NEVER_LOADED) rmSync(join(dist, d), { recursive: true, force: true });

  for (const f of wanted) {
    const path = join(dist, f);
    // ncc's own settings for index.js: names kept (error messages and instanceof checks read them);
    // __webpack_require__ too, so the chunk references above stay readable when this runs again.
    const out = await minify(readFileSync(path, 'utf8'), {
      module: true,
      compress: false,
      mangle: { keep_classnames: true, keep_fnames: true, reserved: ['__webpack_require__'] },
    });
    if (out.code === undefined) throw new Error(`terser returned nothing for ${f}`);
    writeFileSync(path, out.code);
  }
  return `${relative(root, dist)}/: index.js and ${wanted.size} chunks (${[...wanted].sort().join(', ')}), minified; removed ${NEVER_LOADED.join(', ')}`;
}

for (const dir of BUNDLES) console.log(await finish(join(root, dir)));
