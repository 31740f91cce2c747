// SHACL Core validation by an engine beside the build's (the Rust `shacl` package and pySHACL):
// `node validate-shacl.mjs [--engine=shacl-engine] SHAPES DATA...` prints one JSON document with
// `conforms` and the results (focus node, path, component, value, message). The default engine is
// rdf-validate-shacl; shacl-engine is the other npm engine a consumer may reach for. Both implement
// SHACL Core only, so the shapes' SHACL-SPARQL constraints (sh:sparql) are left out of the shapes graph.
import rdf from '@zazuko/env-node'
import SHACLValidator from 'rdf-validate-shacl'
import { Validator } from 'shacl-engine'

const args = process.argv.slice(2)
const engine = args[0]?.startsWith('--engine=') ? args.shift().slice('--engine='.length) : 'rdf-validate-shacl'
const [shapesPath, ...dataPaths] = args
const SH = 'http://www.w3.org/ns/shacl#'
const shapes = await rdf.dataset().import(rdf.fromFile(shapesPath))
for (const quad of [...shapes.match(null, rdf.namedNode(SH + 'sparql'), null)]) {
  shapes.delete(quad)
}
const data = rdf.dataset()
for (const path of dataPaths) {
  data.addAll(await rdf.dataset().import(rdf.fromFile(path)))
}

async function validate () {
  if (engine === 'shacl-engine') {
    const report = await new Validator(shapes, { factory: rdf }).validate({ dataset: data })
    return {
      conforms: report.conforms,
      results: report.results.map(r => ({
        focus: r.focusNode?.term?.value ?? r.focusNode?.value,
        path: (r.path ?? []).map(step => (step.predicates ?? []).map(p => p.value).join('|')).join('/') || undefined,
        component: r.constraintComponent?.value,
        value: r.value?.term?.value ?? r.value?.value,
        message: (r.message ?? []).map(m => m.value).join(' ')
      }))
    }
  }
  if (engine !== 'rdf-validate-shacl') throw new Error(`unknown engine ${engine}`)
  const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data)
  return {
    conforms: report.conforms,
    results: report.results.map(r => ({
      focus: r.focusNode?.value,
      path: r.path?.value,
      component: r.sourceConstraintComponent?.value,
      value: r.value?.value,
      message: r.message.map(m => m.value).join(' ')
    }))
  }
}

process.stdout.write(JSON.stringify(await validate(), null, 1) + '\n')
