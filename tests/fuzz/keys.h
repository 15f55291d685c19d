/* keys.h: throwaway keys of the fuzz targets and their seeds (never used
 * anywhere else; make_corpus.py reads them from here). */
#ifndef BDG_FUZZ_KEYS_H
#define BDG_FUZZ_KEYS_H

#define FUZZ_NOW 1700000000LL    /* the fixed clock of fuzz_token */
#define FUZZ_HS256_SECRET "fuzz-hs256-secret-0123456789abcdef0123456789"
#define FUZZ_ISSUER "https://id.bdg.test"
#define FUZZ_AUDIENCE "bdg-api"

#define FUZZ_RSA_PRIVATE \
	"-----BEGIN PRIVATE KEY-----\n" \
	"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDMWXGOS/18B4tP\n" \
	"NUuZrmzlzh7jmiCVXmAZcSC851nph8WOwjTskgloKTx+95fIcCRM26JAACwPxoGa\n" \
	"Npkfyrll1nwcuT20aBqV86ojj1yYlLG29QQnWA7byGXMoNCdBXnbXMFyFkA+k39h\n" \
	"vTH7as690spQ1saT5Gn1jCf7JFwKDbsL+qhYx13JDyS50dHowylPssGqbl+M3Q/C\n" \
	"rXWLlckZ2H8el0MBDNfiM2WJU8IagxAIu1DO3S14K5f8aXP5orfqUGooXggpvkdn\n" \
	"mOqJafX42xlFn6ST7G6nyCPy6vyBJrp3K3412Rc00Bp/S1wfbCqoWny03okISU/f\n" \
	"yjQcOVFTAgMBAAECggEAVIWOXX/62ak5KsrteSRXMHof9p4SahW+A+fx1ZCPdPNO\n" \
	"eGzFfTAuKeIcfpukMSiJKy0RIA2yK9g8VO/OSAMOyht7/Fl2Nz9z95/wOIMclpOy\n" \
	"Ke2QCUH361opGQlPIBNawqvL64dejUNuxZt+p/IWjxc3zVX4jsVEOmb9RnhUhWdJ\n" \
	"SGJVqtyng/Neu+eCNjitCy+uihSzYp+9uQ405yw9VOOc7P1qr2cazl4k6AVAljbv\n" \
	"JDZfQKRSo5EGNlilrre/5LbUbZi0zVVDRcuiyzdDd3zPnxvfLKZebSw7I051Qz0D\n" \
	"mNkLHplySANEKQeC470nJSHJ4o7woe3KND8S9vVGyQKBgQDkuw/3P21P908pW0bQ\n" \
	"MF+SKOj5LMk9uWEYV1BtXgeXEb4kbtAsSIn7YnLYw5lRKVZ1pXiiNyFZn5ORauX/\n" \
	"ujWmo3xkYcERnIUR8CU0g/h3zKYjGohbMXo1TgMmVL6wzxUu26EbRHoiO8uNFFig\n" \
	"E7SpE4RS2Bx4BIt1n+6+KNmA1wKBgQDktkFNgAsbiSxnE3+My8Tv77aMWAbwl1fj\n" \
	"DOxr4nu6QGFulF4or18Ok46KgRZfke96UHitwIbOUoUQZ9aUlKxnKn09Y0nq8c1S\n" \
	"3YsIQvFGH+OjR1Lzlv9KBhRbCIuUsQlZdgD8OSZcHcmqxstys2yH6mjntBWM09GI\n" \
	"XoAnVCBX5QKBgBqui50/A+RpKA3d/PO6QNvO8+ZlSBBwOJhbTyGC74W65yBe4N/Z\n" \
	"kmcFw/nvT0o9dT2CEQFzRuuqhs9W1f+v3CRVO+SF1rzUMl22UtC+eFSZReQgazmg\n" \
	"Gu5u7EUja586ePEfY7rHkSu/J+6MKg56Xf+/LBdx6FhDx3TwNCxwnXa/AoGBAI64\n" \
	"LIfwHv5P2yV3RWDWx03yiDeLtsjrqCxHJEEuU4cmJaabbyZ0SR0PdyN26j85EfeB\n" \
	"v8ytF3IojGBwa7bMD8lQ+lYUX0v9F+Nd3CSLoYPg4mxBVcIrt6K5qHomGvPuhacN\n" \
	"vA+omgdhjzbCVrJ8xH0MCeqMteXrSBWQ4uen14cBAoGACd7O4wxtQJi3aYmEKR8l\n" \
	"w6uUOjlTxY5fDKrP4eEv0qZnMff1RamhbYAw+pSrHBhLcTd5yHPwsZK+h4UNbLdK\n" \
	"ceATrEq7dR2q3hIWj0A2dvfhChtHzUrHHs/WoEKWJ0k1B62jc93F/lK0FOfrby9r\n" \
	"9G0dVvBvoJV97tqQZjzX008=\n" \
	"-----END PRIVATE KEY-----\n"

#define FUZZ_RSA_PUBLIC \
	"-----BEGIN PUBLIC KEY-----\n" \
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzFlxjkv9fAeLTzVLma5s\n" \
	"5c4e45oglV5gGXEgvOdZ6YfFjsI07JIJaCk8fveXyHAkTNuiQAAsD8aBmjaZH8q5\n" \
	"ZdZ8HLk9tGgalfOqI49cmJSxtvUEJ1gO28hlzKDQnQV521zBchZAPpN/Yb0x+2rO\n" \
	"vdLKUNbGk+Rp9Ywn+yRcCg27C/qoWMddyQ8kudHR6MMpT7LBqm5fjN0Pwq11i5XJ\n" \
	"Gdh/HpdDAQzX4jNliVPCGoMQCLtQzt0teCuX/Glz+aK36lBqKF4IKb5HZ5jqiWn1\n" \
	"+NsZRZ+kk+xup8gj8ur8gSa6dyt+NdkXNNAaf0tcH2wqqFp8tN6JCElP38o0HDlR\n" \
	"UwIDAQAB\n" \
	"-----END PUBLIC KEY-----\n"

#define FUZZ_EC_PRIVATE \
	"-----BEGIN EC PRIVATE KEY-----\n" \
	"MHcCAQEEILiPo1e0FuO+COR/NkpJ3qoKDktoazoQKp/5/PD6OUI0oAoGCCqGSM49\n" \
	"AwEHoUQDQgAEdAQk1gjFifwNvjNQRbfHCBwhQgRHpwyGLcNc3S4VCrVk0OvLGukA\n" \
	"eo/V6cP+K3JBgi9yA+f8OOo9dUthQp8adQ==\n" \
	"-----END EC PRIVATE KEY-----\n"

#define FUZZ_EC_PUBLIC \
	"-----BEGIN PUBLIC KEY-----\n" \
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdAQk1gjFifwNvjNQRbfHCBwhQgRH\n" \
	"pwyGLcNc3S4VCrVk0OvLGukAeo/V6cP+K3JBgi9yA+f8OOo9dUthQp8adQ==\n" \
	"-----END PUBLIC KEY-----\n"

#endif
