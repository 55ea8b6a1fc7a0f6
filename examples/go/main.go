// Start a verification, read its code from otpgate's dev outbox, check it, print the status.
//
//	OTPGATE_URL=http://127.0.0.1:8080 OTPGATE_KEY=og_live_... go run .
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

type verification struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Valid  bool   `json:"valid"`
}

type outbox struct {
	Data []struct {
		VerificationID string `json:"verification_id"`
		Body           string `json:"body"`
	} `json:"data"`
}

// problem is the RFC 9457 body of every error answer; branch on Code.
type problem struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

var (
	base   = strings.TrimRight(env("OTPGATE_URL", "http://127.0.0.1:8080"), "/")
	key    = os.Getenv("OTPGATE_KEY")
	phone  = env("PHONE", "+14155550123")
	client = &http.Client{Timeout: 10 * time.Second}
	digits = regexp.MustCompile(`\b(\d{4,10})\b`)
)

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func call(method, path string, body any, headers map[string]string, out any) {
	var payload bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&payload).Encode(body); err != nil {
			panic(err)
		}
	}
	request, err := http.NewRequest(method, base+path, &payload)
	if err != nil {
		panic(err)
	}
	request.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	for name, value := range headers {
		request.Header.Set(name, value)
	}
	response, err := client.Do(request)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer response.Body.Close()
	if response.StatusCode >= 400 {
		var p problem
		_ = json.NewDecoder(response.Body).Decode(&p)
		fmt.Fprintf(os.Stderr, "%s %s: %d %s: %s\n", method, path, response.StatusCode, p.Code, p.Detail)
		os.Exit(1)
	}
	if err := json.NewDecoder(response.Body).Decode(out); err != nil {
		panic(err)
	}
}

// codeFromOutbox stands in for the person reading the SMS and typing the code.
func codeFromOutbox(verificationID string) string {
	for i := 0; i < 100; i++ {
		var messages outbox
		call("GET", "/v1/outbox?limit=20&to="+url.QueryEscape(phone), nil, nil, &messages)
		for _, message := range messages.Data {
			if message.VerificationID == verificationID {
				return digits.FindStringSubmatch(message.Body)[1]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "no SMS in the dev outbox")
	os.Exit(1)
	return ""
}

func main() {
	// An Idempotency-Key makes a retry of this request safe: the same key never sends a second SMS.
	idempotencyKey := make([]byte, 16)
	if _, err := rand.Read(idempotencyKey); err != nil {
		panic(err)
	}
	var started verification
	call("POST", "/v1/verifications", map[string]string{"to": phone}, map[string]string{"Idempotency-Key": hex.EncodeToString(idempotencyKey)}, &started)
	fmt.Printf("started %s (%s)\n", started.ID, started.Status)

	code := codeFromOutbox(started.ID)
	var result verification
	call("POST", "/v1/verifications/check", map[string]string{"id": started.ID, "code": code}, nil, &result)
	fmt.Printf("status: %s\n", result.Status)
	if !result.Valid {
		os.Exit(1)
	}
}
