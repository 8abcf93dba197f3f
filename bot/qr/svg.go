package qr

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strconv"
	"strings"
)

// SVG encodes content as an SVG image: one vector path of dark modules in a viewBox
// measured in modules, plus the logo (as an embedded PNG on a white pad) when set. The
// emitted SVG is parsed back, rasterised at o.Size pixels and decoded before it is
// returned.
func SVG(content string, o Options) ([]byte, error) {
	o, minVersion, err := o.normalise()
	if err != nil {
		return nil, err
	}
	var out []byte
	_, err = encodeVerified(content, o.Level, minVersion, func(sym *Symbol) error {
		var err error
		if out, err = WriteSVG(sym, o); err != nil {
			return err
		}
		img, err := RasteriseSVG(out, o.Size)
		if err != nil {
			return fmt.Errorf("%w: svg: %v", ErrVerify, err)
		}
		return Verify(img, content)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WriteSVG writes sym as SVG without verifying it.
func WriteSVG(sym *Symbol, o Options) ([]byte, error) {
	o, _, err := o.normalise()
	if err != nil {
		return nil, err
	}
	n := sym.Size()
	// Like the PNG, the nominal size shows whole pixels per module, the symbol centred in
	// the white margin.
	scale, err := o.moduleScale(n)
	if err != nil {
		return nil, err
	}
	view := float64(o.Size) / float64(scale)
	lo := -(view - float64(n)) / 2
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="%g %g %g %g" shape-rendering="crispEdges">`,
		o.Size, o.Size, lo, lo, view, view)
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="#fff"/>`, lo, lo, view, view)
	b.WriteString(`<path fill="#000" d="`)
	for y, row := range sym.Modules {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < n && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run
		}
	}
	b.WriteString(`"/>`)
	if o.Logo != nil {
		pad := logoPad(n)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#fff"/>`, pad.Min.X, pad.Min.Y, pad.Dx(), pad.Dy())
		var logo bytes.Buffer
		if err := png.Encode(&logo, o.Logo); err != nil {
			return nil, fmt.Errorf("qr: svg logo: %w", err)
		}
		inner := 0.5 // half a module of white around the logo, as in PNG
		fmt.Fprintf(&b, `<image x="%g" y="%g" width="%g" height="%g" preserveAspectRatio="xMidYMid meet" href="data:image/png;base64,%s"/>`,
			float64(pad.Min.X)+inner, float64(pad.Min.Y)+inner, float64(pad.Dx())-2*inner, float64(pad.Dy())-2*inner,
			base64.StdEncoding.EncodeToString(logo.Bytes()))
	}
	b.WriteString(`</svg>`)
	return b.Bytes(), nil
}

// RasteriseSVG draws an SVG produced by WriteSVG at size×size pixels. It understands only
// what WriteSVG emits (rect, a path of M/h/v/z commands, an embedded PNG image) and fails on
// anything else, so the check really reads the bytes served.
func RasteriseSVG(svg []byte, size int) (image.Image, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	var scale, ox, oy float64
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		a := attrs(el)
		switch el.Name.Local {
		case "svg":
			vb := strings.Fields(a["viewBox"])
			if len(vb) != 4 {
				return nil, fmt.Errorf("bad viewBox %q", a["viewBox"])
			}
			w, err := strconv.ParseFloat(vb[2], 64)
			if err != nil || w <= 0 {
				return nil, fmt.Errorf("bad viewBox %q", a["viewBox"])
			}
			scale = float64(size) / w
			ox, oy = num(vb[0]), num(vb[1])
		case "rect":
			x, y, w, h := num(a["x"])-ox, num(a["y"])-oy, num(a["width"]), num(a["height"])
			fillRect(img, scale, x, y, w, h, fillColor(a["fill"]))
		case "path":
			if err := fillPath(img, scale, ox, oy, a["d"], fillColor(a["fill"])); err != nil {
				return nil, err
			}
		case "image":
			if err := drawDataImage(img, scale, ox, oy, a); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unexpected element <%s>", el.Name.Local)
		}
	}
	if scale == 0 {
		return nil, errors.New("no <svg> element")
	}
	return img, nil
}

func attrs(el xml.StartElement) map[string]string {
	m := make(map[string]string, len(el.Attr))
	for _, a := range el.Attr {
		m[a.Name.Local] = a.Value
	}
	return m
}

func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func fillColor(s string) color.Color {
	if s == "#fff" || s == "#ffffff" || s == "white" {
		return color.White
	}
	return color.Black
}

// fillRect fills the pixels whose centres fall inside the rectangle (in viewBox units).
func fillRect(img draw.Image, scale, x, y, w, h float64, c color.Color) {
	x0, y0 := int(x*scale+0.5), int(y*scale+0.5)
	x1, y1 := int((x+w)*scale+0.5), int((y+h)*scale+0.5)
	draw.Draw(img, image.Rect(x0, y0, x1, y1), image.NewUniform(c), image.Point{}, draw.Src)
}

// fillPath fills a path made of "Mx yhWv1h-Wz" runs.
func fillPath(img draw.Image, scale, ox, oy float64, d string, c color.Color) error {
	for _, seg := range strings.Split(d, "z") {
		if seg == "" {
			continue
		}
		var x, y, w, w2 float64
		var one float64
		if _, err := fmt.Sscanf(seg, "M%g %gh%gv%gh%g", &x, &y, &w, &one, &w2); err != nil {
			return fmt.Errorf("path segment %q: %v", seg, err)
		}
		if one != 1 || w2 != -w {
			return fmt.Errorf("path segment %q is not a one-module run", seg)
		}
		fillRect(img, scale, x-ox, y-oy, w, 1, c)
	}
	return nil
}

func drawDataImage(img draw.Image, scale, ox, oy float64, a map[string]string) error {
	const prefix = "data:image/png;base64,"
	href := a["href"]
	if !strings.HasPrefix(href, prefix) {
		return errors.New("image href is not an embedded PNG")
	}
	raw, err := base64.StdEncoding.DecodeString(href[len(prefix):])
	if err != nil {
		return fmt.Errorf("image data: %v", err)
	}
	src, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("image data: %v", err)
	}
	x, y, w, h := num(a["x"])-ox, num(a["y"])-oy, num(a["width"]), num(a["height"])
	box := image.Rect(int(x*scale+0.5), int(y*scale+0.5), int((x+w)*scale+0.5), int((y+h)*scale+0.5))
	drawScaled(img, fit(box, src.Bounds()), src)
	return nil
}
