/* test_page.c: limits and cursors. */
#include "check.h"
#include "page.h"

int main(void)
{
	struct page pg;
	struct bdg_err err = {0};
	char cur[128];

	CHECK_EQ_INT(page_parse(NULL, NULL, 0, &pg, &err), 0);
	CHECK_EQ_INT(pg.limit, 50);
	CHECK_EQ_STR(pg.limit_plus1, "51");
	CHECK_EQ_INT(page_parse("500", NULL, 0, &pg, &err), 0);
	CHECK_EQ_INT(pg.limit, 500);
	const char *bad[] = {"0", "-1", "501", "1000000000", "abc", "5x", "", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bdg_err_clear(&err);
		CHECK_EQ_INT(page_parse(bad[i], NULL, 0, &pg, &err), -1);
		CHECK_EQ_INT(err.status, 400);
		CHECK_EQ_STR(err.fields[0].field, "limit");
	}
	page_cursor("HUE-SYT", cur, sizeof cur);
	bdg_err_clear(&err);
	CHECK_EQ_INT(page_parse("10", cur, 0, &pg, &err), 0);
	CHECK_EQ_STR(pg.after, "HUE-SYT");
	CHECK_EQ_INT(pg.has_after, 1);
	/* a text cursor is not an id cursor */
	bdg_err_clear(&err);
	CHECK_EQ_INT(page_parse("10", cur, 1, &pg, &err), -1);
	CHECK_EQ_INT(err.status, 400);
	page_cursor("12345", cur, sizeof cur);
	bdg_err_clear(&err);
	CHECK_EQ_INT(page_parse(NULL, cur, 1, &pg, &err), 0);
	CHECK_EQ_STR(pg.after, "12345");
	/* forged cursors */
	const char *forged[] = {"!!!", "a", "eHl6", "' OR 1=1 --", "azE6", "AAAA"};
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		bdg_err_clear(&err);
		CHECK_EQ_INT(page_parse(NULL, forged[i], 1, &pg, &err), -1);
		CHECK_EQ_INT(err.status, 400);
	}
	/* round trip of Vietnamese text through base64url */
	unsigned char out[64];
	char enc[64];
	b64url_encode((const unsigned char *)"Hương Trà", strlen("Hương Trà"), enc, sizeof enc);
	long n = b64url_decode(enc, out, sizeof out);
	CHECK_EQ_INT(n, (long)strlen("Hương Trà"));
	CHECK(memcmp(out, "Hương Trà", (size_t)n) == 0);
	return CHECK_DONE();
}
