package qr

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FontPackage is the Debian package that provides the default poster font.
const FontPackage = "fonts-dejavu-core"

// fontCandidates are Unicode TrueType fonts with full Vietnamese coverage, in order of
// preference, as Debian (and a few other systems) install them. Font files are never
// committed: they are located at run time.
var fontCandidates = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",                 // Debian fonts-dejavu-core
	"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",             // Debian fonts-noto-core
	"/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", // Debian fonts-liberation
	"/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
	"/usr/share/fonts/truetype/freefont/FreeSans.ttf", // Debian fonts-freefont-ttf
	"/usr/share/fonts/TTF/DejaVuSans.ttf",             // Arch, Alpine
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",          // Alpine font-dejavu, Fedora
}

// Font is a regular and a bold TrueType file for posters.
type Font struct {
	Regular string
	// Bold is the bold face; it equals Regular when the family has no bold file.
	Bold string
}

// FindFont returns the poster font: the configured TrueType file when configured is not
// empty (it must exist; a folder is searched for the usual files), otherwise the first
// installed candidate. The error names the
// Debian package to install.
func FindFont(configured string) (Font, error) {
	return findFont(configured, fontCandidates)
}

func findFont(configured string, candidates []string) (Font, error) {
	if st, err := os.Stat(configured); configured != "" && err == nil && st.IsDir() {
		// A folder: look for the usual files in it.
		for _, c := range candidates {
			if p := filepath.Join(configured, filepath.Base(c)); readable(p) == nil {
				return Font{Regular: p, Bold: boldOf(p)}, nil
			}
		}
		return Font{}, fmt.Errorf("qr: configured poster font folder %s has none of the known fonts (DejaVuSans.ttf, NotoSans-Regular.ttf, LiberationSans-Regular.ttf, FreeSans.ttf); "+
			"install the Debian package %s or configure a .ttf file", configured, FontPackage)
	}
	if configured != "" {
		if err := readable(configured); err != nil {
			return Font{}, fmt.Errorf("qr: configured poster font: %w", err)
		}
		if ext := strings.ToLower(filepath.Ext(configured)); ext != ".ttf" {
			return Font{}, fmt.Errorf("qr: configured poster font %s is not a TrueType (.ttf) file", configured)
		}
		return Font{Regular: configured, Bold: boldOf(configured)}, nil
	}
	for _, p := range candidates {
		if readable(p) == nil {
			return Font{Regular: p, Bold: boldOf(p)}, nil
		}
	}
	return Font{}, fmt.Errorf("qr: no Unicode TrueType font with Vietnamese letters found (looked for %s and others); "+
		"install the Debian package %s (apt-get install -y %s) or configure a .ttf font path (posters.font)",
		fontCandidates[0], FontPackage, FontPackage)
}

// boldOf guesses the bold file next to a regular one, falling back to the regular file.
func boldOf(regular string) string {
	dir, base := filepath.Split(regular)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	ext := filepath.Ext(base)
	var guesses []string
	if s, ok := strings.CutSuffix(stem, "-Regular"); ok {
		guesses = append(guesses, s+"-Bold"+ext)
	}
	guesses = append(guesses, stem+"-Bold"+ext, stem+"Bold"+ext)
	for _, g := range guesses {
		if p := filepath.Join(dir, g); readable(p) == nil {
			return p
		}
	}
	return regular
}

func readable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory", p)
	}
	return nil
}
