package classify

import (
	"errors"
	"testing"
)

// TestEmbeddedCatalog loads the embedded catalog: strict decoding, every
// regex, every rule's samples and counter-samples.
func TestEmbeddedCatalog(t *testing.T) {
	c, err := Load(nil, embeddedCatalog, EmbeddedName)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			for _, p := range le.Problems {
				t.Error(p)
			}
			return
		}
		t.Fatal(err)
	}
	if c.Provider(Unknown) == nil {
		t.Errorf("the catalog has no %q provider", Unknown)
	}
}
