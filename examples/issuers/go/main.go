// Command mint prints a token for an example setup, minted with golang-jwt:
// go run . KEY_FILE ENCODING SETUP [KID]
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// setup is what an example policy (examples/NAME.json) asks of a token: its lifetime (`exp` is
// `iat` + ttl), and the claims it needs beside `sub`, `iat` and `exp`.
type setup struct {
	ttl    time.Duration
	claims jwt.MapClaims
}

var setups = map[string]setup{
	"seed":         {15 * time.Minute, jwt.MapClaims{}},
	"seed-js1":     {15 * time.Minute, jwt.MapClaims{}},
	"video-cookie": {2 * time.Hour, jwt.MapClaims{"paths": []string{"/courses/c1/*"}}},
	"api-bearer":   {15 * time.Minute, jwt.MapClaims{"iss": "https://auth.example.com", "aud": "api"}},
	"full":         {time.Hour, jwt.MapClaims{"iss": "https://lms.example.com", "aud": "videos", "paths": []string{"/courses/c1/*"}}},
	"kvs-rotation": {time.Hour, jwt.MapClaims{}},
}

// readKey returns the key as `cfjwt gen --key-file PATH --key-encoding ENCODING` reads it: the
// file's bytes less one trailing "\n" or "\r\n", then decoded (utf8: as they are; base64,
// base64url, hex). The HMAC key is the decoded bytes, never the text.
func readKey(path, encoding string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasSuffix(raw, []byte("\n")) {
		raw = bytes.TrimSuffix(raw[:len(raw)-1], []byte("\r"))
	}
	text := strings.TrimRight(string(raw), "=")
	switch encoding {
	case "utf8":
		return raw, nil
	case "base64":
		return base64.RawStdEncoding.DecodeString(text)
	case "base64url":
		return base64.RawURLEncoding.DecodeString(text)
	case "hex":
		return hex.DecodeString(text)
	}
	return nil, fmt.Errorf("unknown key encoding %q", encoding)
}

func mint(key []byte, name, kid string) (string, error) {
	s, ok := setups[name]
	if !ok {
		return "", fmt.Errorf("unknown setup %q", name)
	}
	now := time.Now()
	claims := jwt.MapClaims{"sub": "user-42", "iat": now.Unix(), "exp": now.Add(s.ttl).Unix()}
	for k, v := range s.claims {
		claims[k] = v
	}
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	if kid != "" {
		token.Header["kid"] = kid
	}
	return token.SignedString(key)
}

func main() {
	if len(os.Args) < 4 || len(os.Args) > 5 {
		log.Fatal("usage: mint KEY_FILE ENCODING SETUP [KID]")
	}
	kid := ""
	if len(os.Args) == 5 {
		kid = os.Args[4]
	}
	key, err := readKey(os.Args[1], os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	token, err := mint(key, os.Args[3], kid)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token)
}
