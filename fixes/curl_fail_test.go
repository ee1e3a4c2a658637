package fixes

import "testing"

func TestCurlClusterOutput(t *testing.T) {
	for w, want := range map[string]bool{
		"-o": true, "-ofile": true, "-sSLo": true, "-sSLofile": true, "-fsSLo": true,
		"-sSL": false, "--output": false, "-O": false, "-Ho": false, "o": false, "-": false,
	} {
		if got := curlClusterOutput(w); got != want {
			t.Errorf("curlClusterOutput(%q) = %v, want %v", w, got, want)
		}
	}
}
