package main

// This file owns the picture: two panels side by side, p99 latency (log
// scale) and deliveries per second received, each against the deliveries
// per second offered; one line per server, a step that broke the server
// (p99 over 1 s, a delivery or a client lost) drawn as a cross.

import (
	"fmt"
	"image/color"
	"math"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// shape marks the i-th server's steps: never a cross, which marks a step
// that broke its server.
func shape(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{draw.RingGlyph{}, draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}, draw.CircleGlyph{}, draw.SquareGlyph{}}
	return shapes[i%len(shapes)]
}

// minP99Ms is the floor of the latency axis: a log scale has no zero.
const minP99Ms = 0.1

// drawResults writes the picture of r to the PNG file out.
func drawResults(r *results, out string) error {
	latency, delivered := plot.New(), plot.New()
	latency.Title.Text = fmt.Sprintf("p99 latency (log scale), %d users in one room", r.Clients)
	latency.Y.Label.Text = "p99, send to receive (ms)"
	latency.Y.Scale = plot.LogScale{}
	latency.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	latency.Y.Min, latency.Y.Max = decades(r)
	delivered.Title.Text = "deliveries per second received"
	delivered.Y.Label.Text = "delivered (millions/s)"
	for _, p := range []*plot.Plot{latency, delivered} {
		p.X.Label.Text = "offered (millions of deliveries/s)"
		if r.Machine != "" {
			p.X.Label.Text += "; " + r.Machine
		}
		p.X.Min = 0
		p.Add(plotter.NewGrid())
	}
	// The legends go where the lines are not: latency rises to the right,
	// deliveries stay under the line of what is offered.
	latency.Legend.YOffs = vg.Millimeter * 4
	latency.Legend.XOffs = -vg.Millimeter * 2
	delivered.Legend.Top, delivered.Legend.Left = true, true
	delivered.Legend.XOffs = vg.Millimeter * 4
	if err := addReference(delivered, r); err != nil {
		return err
	}
	broke := false
	for i, s := range r.Servers {
		b, err := addServer(latency, delivered, s, i)
		if err != nil {
			return err
		}
		broke = broke || b
	}
	if broke {
		latency.Legend.Add("broke: p99 > 1 s, or a delivery or client lost", brokeGlyph())
	}
	return write(out, latency, delivered)
}

// decades is the latency axis: from the power of ten at or below the
// lowest p99 to the one at or above the highest (p99s under minP99Ms count
// as minP99Ms).
func decades(r *results) (lo, hi float64) {
	lo, hi = math.Inf(1), minP99Ms
	for _, s := range r.Servers {
		for _, st := range s.Steps {
			lo, hi = min(lo, max(st.P99Ms, minP99Ms)), max(hi, st.P99Ms)
		}
	}
	return math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
}

// addServer adds one server's line to both panels, in the i-th style. It
// says whether a step broke the server.
func addServer(latency, delivered *plot.Plot, s server, i int) (broke bool, err error) {
	lat, del := make(plotter.XYs, 0, len(s.Steps)), make(plotter.XYs, 0, len(s.Steps))
	var broken plotter.XYs
	for _, st := range s.Steps {
		x := st.Offered / 1e6
		lat = append(lat, plotter.XY{X: x, Y: max(st.P99Ms, minP99Ms)})
		del = append(del, plotter.XY{X: x, Y: st.Delivered / 1e6})
		if !st.Healthy {
			broken = append(broken, plotter.XY{X: x, Y: max(st.P99Ms, minP99Ms)})
		}
	}
	for _, panel := range []struct {
		p   *plot.Plot
		xys plotter.XYs
	}{{latency, lat}, {delivered, del}} {
		line, points, err := plotter.NewLinePoints(panel.xys)
		if err != nil {
			return false, fmt.Errorf("%s: %w", s.Name, err)
		}
		line.Color, points.Color = plotutil.Color(i), plotutil.Color(i)
		points.Shape = shape(i)
		panel.p.Add(line, points)
		panel.p.Legend.Add(s.Name, line, points)
	}
	if len(broken) > 0 {
		crosses, err := plotter.NewScatter(broken)
		if err != nil {
			return false, err
		}
		crosses.GlyphStyle = brokeGlyph().GlyphStyle
		latency.Add(crosses)
	}
	return len(broken) > 0, nil
}

// brokeGlyph marks a step that broke the server: a black cross.
func brokeGlyph() *plotter.Scatter {
	s, _ := plotter.NewScatter(plotter.XYs{{X: 1, Y: 1}})
	s.Shape, s.Color, s.Radius = draw.CrossGlyph{}, color.Black, vg.Points(6)
	return s
}

// addReference draws delivered = offered, what a server that keeps up
// delivers, as a dashed grey line.
func addReference(p *plot.Plot, r *results) error {
	top := 0.0
	for _, s := range r.Servers {
		for _, st := range s.Steps {
			top = max(top, st.Offered/1e6)
		}
	}
	ref, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: top, Y: top}})
	if err != nil {
		return err
	}
	ref.Color, ref.Dashes = color.Gray{Y: 150}, []vg.Length{vg.Points(4), vg.Points(4)}
	p.Add(ref)
	p.Legend.Add("offered (all delivered)", ref)
	return nil
}

// write draws the panels side by side into the PNG file out.
func write(out string, panels ...*plot.Plot) error {
	const panelWidth = 6 * vg.Inch
	img := vgimg.New(vg.Length(len(panels))*panelWidth, 4.5*vg.Inch)
	dc := draw.New(img)
	for i, p := range panels {
		left := vg.Length(i) * panelWidth
		right := vg.Length(len(panels)-1-i) * panelWidth
		p.Draw(draw.Crop(draw.Crop(dc, left, -right, 0, 0), vg.Millimeter*3, -vg.Millimeter*3, vg.Millimeter*3, -vg.Millimeter*3))
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", out, err)
	}
	return f.Close()
}
