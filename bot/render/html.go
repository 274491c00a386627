package render

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// webMarkdown renders the web chat's HTML: goldmark's safe HTML renderer (raw HTML is
// never passed through), soft line breaks kept as <br> like on the other channels, and
// our own renderers for links, images and raw HTML.
var webMarkdown = goldmark.New(
	goldmark.WithExtensions(extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(
		html.WithHardWraps(),
		renderer.WithNodeRenderers(util.Prioritized(webRenderer{}, 100)),
	),
)

// HTML renders Markdown as safe HTML for the web chat (goldmark's HTML renderer without unsafe
// raw HTML is fine here; links get rel="noopener noreferrer" target="_blank").
//
// Raw HTML in the source is shown as escaped text, images as a link with their alt text,
// and links to anything but http(s), tg, mailto and tel URLs as their text only.
func HTML(md string) string {
	src := []byte(prepare(md))
	var buf bytes.Buffer
	if err := webMarkdown.Renderer().Render(&buf, src, parse(src)); err != nil {
		return escapeHTML(string(src))
	}
	return strings.TrimSpace(buf.String())
}

// webRenderer overrides goldmark's HTML rendering of the nodes where the web chat differs.
type webRenderer struct{}

func (webRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, renderWebLink)
	reg.Register(ast.KindAutoLink, renderWebAutoLink)
	reg.Register(ast.KindImage, renderWebImage)
	reg.Register(ast.KindRawHTML, renderWebRawHTML)
	reg.Register(ast.KindHTMLBlock, renderWebHTMLBlock)
}

const webLinkAttrs = ` rel="noopener noreferrer" target="_blank"`

// insideLink reports whether n is inside a link, where another link would be invalid HTML.
func insideLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == ast.KindLink {
			return true
		}
	}
	return false
}

func webHref(d destination) (string, bool) {
	switch d.kind {
	case linkWeb, linkMail:
		return d.href, true
	case linkTel:
		return "tel:" + string(util.URLEscape([]byte(d.display), false)), true
	}
	return "", false
}

func renderWebLink(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	href, ok := webHref(classifyURL(unescapeMD(n.Destination)))
	if !ok || insideLink(n) {
		return ast.WalkContinue, nil // the text only
	}
	if !entering {
		_, _ = w.WriteString("</a>")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<a href="` + escapeHTML(href) + `"`)
	if n.Title != nil {
		_, _ = w.WriteString(` title="` + escapeHTML(unescapeMD(n.Title)) + `"`)
	}
	_, _ = w.WriteString(webLinkAttrs + ">")
	if !n.HasChildren() {
		_, _ = w.WriteString(escapeHTML(unescapeMD(n.Destination)))
	}
	return ast.WalkContinue, nil
}

// writeWebLink writes text as a link to d, or as text where d cannot be linked or n is
// inside a link already.
func writeWebLink(w util.BufWriter, n ast.Node, d destination, text string) {
	if href, ok := webHref(d); ok && !insideLink(n) {
		_, _ = w.WriteString(`<a href="` + escapeHTML(href) + `"` + webLinkAttrs + ">" + escapeHTML(text) + "</a>")
		return
	}
	_, _ = w.WriteString(escapeHTML(text))
}

func renderWebAutoLink(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.AutoLink)
	url := string(n.URL(src))
	if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(url), "mailto:") {
		url = "mailto:" + url
	}
	writeWebLink(w, n, classifyURL(url), string(n.Label(src)))
	return ast.WalkContinue, nil
}

func renderWebImage(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Image)
	alt := strings.TrimSpace(plainInlines(n, src))
	d := classifyURL(unescapeMD(n.Destination))
	if alt == "" {
		alt = d.display
	}
	writeWebLink(w, n, d, alt)
	return ast.WalkSkipChildren, nil
}

func renderWebRawHTML(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	_, _ = w.WriteString(escapeHTML(string(node.(*ast.RawHTML).Segments.Value(src))))
	return ast.WalkSkipChildren, nil
}

func renderWebHTMLBlock(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	if text := strings.TrimSpace(htmlBlockText(node.(*ast.HTMLBlock), src)); text != "" {
		_, _ = w.WriteString("<p>" + strings.ReplaceAll(escapeHTML(text), "\n", "<br>\n") + "</p>\n")
	}
	return ast.WalkContinue, nil
}
