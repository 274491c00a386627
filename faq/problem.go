package faq

import (
	"fmt"
	"strings"
)

// Severity tells whether a problem stops a corpus from loading.
type Severity int

const (
	// Error makes the corpus invalid: it must not replace a working index.
	Error Severity = iota
	// Warning is reported but does not stop the corpus from loading.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Problem is one finding of validation, located by file and line.
type Problem struct {
	File     string
	Line     int
	Severity Severity
	Message  string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Severity, p.Message)
}

// Problems is the list of findings of a parse or a load.
type Problems []Problem

// Errors counts the problems of severity Error.
func (ps Problems) Errors() int {
	n := 0
	for _, p := range ps {
		if p.Severity == Error {
			n++
		}
	}
	return n
}

// Err returns nil when no problem is an error, otherwise a *ValidationError holding them.
func (ps Problems) Err() error {
	if ps.Errors() == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// ValidationError is returned when a corpus has errors; it lists every problem.
type ValidationError struct {
	Problems Problems
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "faq: corpus has %d error(s)", e.Problems.Errors())
	for _, p := range e.Problems {
		if p.Severity == Error {
			b.WriteString("\n  ")
			b.WriteString(p.String())
		}
	}
	return b.String()
}

func (ps *Problems) add(file string, line int, sev Severity, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}
