//go:build rblwatch_yamlcatalog

package classify

// builtinDocument is nil in a build with the tag rblwatch_yamlcatalog: the
// built-in catalog is read from catalog.yaml (loadDefault). go generate
// ./classify builds so to make catalog_gen.go, which then need not
// compile.
var (
	builtinDocument *document
	builtinSum      uint32
)
