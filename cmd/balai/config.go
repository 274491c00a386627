package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/balai-id/balai/knowledge"
)

// envFloat reads a float from the environment, or def when unset.
func envFloat(name string, def float64) (float64, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a number", name, v)
	}
	return f, nil
}

// thresholdsFromEnv returns the default thresholds with BALAI_ANSWER_THRESHOLD and
// BALAI_SUGGEST_THRESHOLD applied.
func thresholdsFromEnv() (knowledge.Thresholds, error) {
	th := knowledge.DefaultThresholds()
	var err error
	if th.Answer, err = envFloat("BALAI_ANSWER_THRESHOLD", th.Answer); err != nil {
		return th, err
	}
	if th.Suggest, err = envFloat("BALAI_SUGGEST_THRESHOLD", th.Suggest); err != nil {
		return th, err
	}
	return th, th.Validate()
}
