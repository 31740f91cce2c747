// SHACL Core validation by rdf-validate-shacl, a second engine beside the build's (the Rust `shacl`
// package and pySHACL): `node validate-shacl.mjs SHAPES DATA...` prints one JSON document with
// `conforms` and the results (focus node, path, component, value, message). rdf-validate-shacl implements
// SHACL Core only, so the shapes' SHACL-SPARQL constraints (sh:sparql) are left out of its shapes graph.
import rdf from '@zazuko/env-node'
import SHACLValidator from 'rdf-validate-shacl'

const [shapesPath, ...dataPaths] = process.argv.slice(2)
const SH = 'http://www.w3.org/ns/shacl#'
const shapes = await rdf.dataset().import(rdf.fromFile(shapesPath))
for (const quad of [...shapes.match(null, rdf.namedNode(SH + 'sparql'), null)]) {
  shapes.delete(quad)
}
const data = rdf.dataset()
for (const path of dataPaths) {
  data.addAll(await rdf.dataset().import(rdf.fromFile(path)))
}
const validator = new SHACLValidator(shapes, { factory: rdf })
const report = await validator.validate(data)
const results = report.results.map(r => ({
  focus: r.focusNode?.value,
  path: r.path?.value,
  component: r.sourceConstraintComponent?.value,
  value: r.value?.value,
  message: r.message.map(m => m.value).join(' ')
}))
process.stdout.write(JSON.stringify({ conforms: report.conforms, results }, null, 1) + '\n')
