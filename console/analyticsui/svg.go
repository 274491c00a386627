package analyticsui

import (
	"math"
	"strconv"
	"strings"

	"github.com/balai-id/balai/analytics"
)

// The charts are drawn on the server as SVG: this file computes their geometry, the
// template (templates/page.html, "chart") writes it, so every label goes through
// html/template's escaping.

// Chart sizes, in SVG user units (the SVG scales to its container's width).
const (
	chartW     = 640.0
	chartH     = 220.0
	padLeft    = 44.0
	padRight   = 12.0
	padTop     = 10.0
	padBottom  = 28.0
	hbarRow    = 24.0
	hbarLabelW = 200.0
)

type rect struct {
	X, Y, W, H float64
	Series     int
	Title      string
}

type text struct {
	X, Y   float64
	Anchor string
	Text   string
}

type line struct {
	Series int
	Points string
	Title  string
}

type chart struct {
	W, H   float64
	Rects  []rect
	Lines  []line
	Texts  []text
	Grid   []text // y axis values (the line at Y)
	Axis   float64
	Legend []string
}

func (c chart) ViewBox() string { return "0 0 " + num(c.W) + " " + num(c.H) }

func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// niceMax rounds m up to 1, 2 or 5 times a power of ten (1 for nothing).
func niceMax(m float64) float64 {
	if m <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, k := range []float64{1, 2, 5, 10} {
		if k*p >= m {
			return k * p
		}
	}
	return 10 * p
}

// layout draws table t; labels are its rows' labels as shown, series its series' names.
func layout(t analytics.Table, labels, series []string) chart {
	switch t.Chart {
	case analytics.HBars:
		return hbars(t, labels, series)
	default:
		return columns(t, labels, series)
	}
}

func rowTitle(label string, t analytics.Table, series []string, row analytics.Row, s int) string {
	return label + " · " + series[s] + ": " + analytics.FormatValue(row.Values[t.Series[s]], t.Cols[t.Series[s]+1].Format)
}

// columns draws days left to right: stacked bars, or one line per series.
func columns(t analytics.Table, labels, series []string) chart {
	c := chart{W: chartW, H: chartH, Axis: chartH - padBottom, Legend: series}
	n := len(t.Rows)
	if n == 0 {
		return c
	}
	var top float64
	for _, r := range t.Rows {
		var sum float64
		for _, s := range t.Series {
			if t.Chart == analytics.Stacked {
				sum += r.Values[s]
			} else {
				sum = max(sum, r.Values[s])
			}
		}
		top = max(top, sum)
	}
	top = niceMax(top)
	plotW, plotH := chartW-padLeft-padRight, chartH-padTop-padBottom
	step := plotW / float64(n)
	y := func(v float64) float64 { return padTop + plotH - v/top*plotH }
	for _, v := range []float64{0, top / 2, top} {
		c.Grid = append(c.Grid, text{X: padLeft - 4, Y: y(v), Anchor: "end", Text: analytics.FormatValue(v, analytics.Count)})
	}
	every := int(math.Ceil(float64(n) / 8)) // at most 8 date labels
	points := make([][]string, len(t.Series))
	for i, r := range t.Rows {
		x := padLeft + float64(i)*step
		if i%every == 0 {
			lbl := labels[i]
			if len(lbl) == len("2006-01-02") {
				lbl = lbl[5:] // MM-DD
			}
			c.Texts = append(c.Texts, text{X: x + step/2, Y: chartH - padBottom + 16, Anchor: "middle", Text: lbl})
		}
		base := 0.0
		for s, vi := range t.Series {
			v := r.Values[vi]
			if t.Chart == analytics.Stacked {
				if v > 0 {
					c.Rects = append(c.Rects, rect{X: x + step*0.1, Y: y(base + v), W: step * 0.8, H: y(base) - y(base+v), Series: s,
						Title: rowTitle(labels[i], t, series, r, s)})
				}
				base += v
			} else {
				points[s] = append(points[s], num(x+step/2)+","+num(y(v)))
			}
		}
	}
	if t.Chart == analytics.Lines {
		for s := range t.Series {
			c.Lines = append(c.Lines, line{Series: s, Points: strings.Join(points[s], " "), Title: series[s]})
		}
	}
	return c
}

// hbars draws one horizontal bar per row, its series stacked.
func hbars(t analytics.Table, labels, series []string) chart {
	n := len(t.Rows)
	c := chart{W: chartW, H: padTop + float64(max(n, 1))*hbarRow + 4, Legend: series}
	var top float64
	for _, r := range t.Rows {
		var sum float64
		for _, s := range t.Series {
			sum += r.Values[s]
		}
		top = max(top, sum)
	}
	if top <= 0 {
		top = 1
	}
	plotW := chartW - hbarLabelW - padRight - 48
	for i, r := range t.Rows {
		yy := padTop + float64(i)*hbarRow
		lbl := labels[i]
		if rs := []rune(lbl); len(rs) > 30 {
			lbl = string(rs[:29]) + "…"
		}
		c.Texts = append(c.Texts, text{X: hbarLabelW - 6, Y: yy + hbarRow*0.65, Anchor: "end", Text: lbl})
		x := hbarLabelW
		var sum float64
		for s, vi := range t.Series {
			v := r.Values[vi]
			w := v / top * plotW
			if w > 0 {
				c.Rects = append(c.Rects, rect{X: x, Y: yy + 3, W: w, H: hbarRow - 6, Series: s, Title: rowTitle(labels[i], t, series, r, s)})
			}
			x += w
			sum += v
		}
		val := analytics.FormatValue(sum, t.Cols[t.Series[0]+1].Format)
		if len(t.Series) > 1 {
			var parts []string
			for _, vi := range t.Series {
				parts = append(parts, analytics.FormatValue(r.Values[vi], t.Cols[vi+1].Format))
			}
			val = strings.Join(parts, " / ")
		}
		c.Texts = append(c.Texts, text{X: x + 4, Y: yy + hbarRow*0.65, Anchor: "start", Text: val})
	}
	return c
}
