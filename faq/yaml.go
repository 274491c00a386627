package faq

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The front matter is read with goccy/go-yaml (YAML 1.2): citizens' questions end in "?",
// and "questions: [Apa ini?]" is valid YAML 1.2 that YAML 1.1 parsers reject.

type fmKind int

const (
	kindNull fmKind = iota
	kindScalar
	kindList
	kindMap
)

// fmValue is a front-matter value with the line it starts on (1-based in the YAML text).
type fmValue struct {
	kind  fmKind
	text  string
	items []fmValue
	line  int
}

type fmPair struct {
	key   string
	line  int
	value fmValue
}

type fmError struct {
	line int
	msg  string
}

// parseFrontMatter reads the YAML between the front-matter delimiters as a list of
// key/value pairs in file order (duplicates kept, so they can be reported).
func parseFrontMatter(text string) ([]fmPair, *fmError) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	f, err := parser.ParseBytes([]byte(text), 0, parser.AllowDuplicateMapKey())
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			line := 0
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				line = tk.Position.Line
			}
			return nil, &fmError{line: line, msg: "front matter is not valid YAML: " + ye.GetMessage()}
		}
		return nil, &fmError{msg: "front matter is not valid YAML: " + err.Error()}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, nil
	}
	if len(f.Docs) > 1 {
		return nil, &fmError{line: 1, msg: "front matter holds more than one YAML document"}
	}
	var values []*ast.MappingValueNode
	switch b := unwrap(f.Docs[0].Body).(type) {
	case *ast.MappingNode:
		values = b.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{b}
	case *ast.NullNode:
		return nil, nil
	default:
		return nil, &fmError{line: lineOfNode(b), msg: "front matter must be a mapping of fields (id: …, title: …)"}
	}
	pairs := make([]fmPair, 0, len(values))
	for _, mv := range values {
		key := ""
		if k, ok := unwrap(mv.Key).(ast.ScalarNode); ok {
			key = fmt.Sprint(k.GetValue())
		} else if mv.Key != nil {
			key = mv.Key.String()
		}
		v, err := toValue(mv.Value)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, fmPair{key: key, line: lineOfNode(mv.Key), value: v})
	}
	return pairs, nil
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.TagNode:
			n = t.Value
		case *ast.AnchorNode:
			n = t.Value
		case *ast.CommentNode:
			return nil
		default:
			return n
		}
	}
}

func lineOfNode(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

func toValue(n ast.Node) (fmValue, *fmError) {
	line := lineOfNode(n)
	switch t := unwrap(n).(type) {
	case nil, *ast.NullNode:
		return fmValue{kind: kindNull, line: line}, nil
	case *ast.StringNode:
		return fmValue{kind: kindScalar, text: t.Value, line: line}, nil
	case *ast.LiteralNode:
		return fmValue{kind: kindScalar, text: t.Value.Value, line: line}, nil
	case *ast.SequenceNode:
		v := fmValue{kind: kindList, line: line}
		for _, it := range t.Values {
			iv, err := toValue(it)
			if err != nil {
				return v, err
			}
			if iv.kind == kindList {
				iv.kind = kindMap // a nested list is not a single value either
			}
			v.items = append(v.items, iv)
		}
		return v, nil
	case *ast.MappingNode, *ast.MappingValueNode:
		return fmValue{kind: kindMap, line: line}, nil
	case *ast.AliasNode:
		return fmValue{}, &fmError{line: line, msg: "YAML aliases (*name) are not supported in front matter"}
	case ast.ScalarNode:
		// Numbers, booleans and dates keep the text as written ("2024-05-01", "007").
		text := fmt.Sprint(t.GetValue())
		if tk := t.GetToken(); tk != nil {
			text = tk.Value
		}
		return fmValue{kind: kindScalar, text: text, line: line}, nil
	default:
		return fmValue{kind: kindMap, line: line}, nil
	}
}
