/* test_csv.c: the CSV reader: separators, BOM, quotes, line breaks, rows. */
#include <string.h>

#include "check.h"
#include "csv.h"

static int read_all(const char *text, struct csv *c)
{
	csv_open(c, text, strlen(text));
	return csv_next(c);
}

int main(void)
{
	struct csv c;

	/* comma, LF, a header and two rows; Vietnamese text intact */
	CHECK_EQ_INT(read_all("code,name\nHUE,Thừa Thiên Huế\nHT,\"Hương Trà, thị xã\"\n", &c), 1);
	CHECK_EQ_INT(c.sep, ',');
	CHECK_EQ_INT(c.row, 1);
	CHECK_EQ_INT(c.nfields, 2);
	CHECK_EQ_STR(c.fields[1], "name");
	CHECK_EQ_INT(csv_next(&c), 1);
	CHECK_EQ_INT(c.row, 2);
	CHECK_EQ_STR(c.fields[1], "Thừa Thiên Huế");
	CHECK_EQ_INT(csv_next(&c), 1);
	CHECK_EQ_STR(c.fields[1], "Hương Trà, thị xã");
	CHECK_EQ_INT(csv_next(&c), 0);
	csv_close(&c);

	/* BOM, semicolons (Excel), CRLF, doubled quotes, a line break in a
	 * quoted field (one row, two lines), empty cells, no final newline */
	CHECK_EQ_INT(read_all("\xEF\xBB\xBF" "code;name;note\r\n"
			      "A;\"Nói \"\"không\"\" với bạo lực\";\"dòng 1\r\ndòng 2\"\r\n"
			      "B;;x,y", &c), 1);
	CHECK_EQ_INT(c.sep, ';');
	CHECK_EQ_STR(c.fields[0], "code");
	CHECK_EQ_INT(csv_next(&c), 1);
	CHECK_EQ_INT(c.row, 2);
	CHECK_EQ_INT(c.line, 2);
	CHECK_EQ_STR(c.fields[1], "Nói \"không\" với bạo lực");
	CHECK_EQ_STR(c.fields[2], "dòng 1\r\ndòng 2");
	CHECK_EQ_INT(csv_next(&c), 1);
	CHECK_EQ_INT(c.row, 3);
	CHECK_EQ_INT(c.line, 4);
	CHECK_EQ_INT(c.nfields, 3);
	CHECK_EQ_STR(c.fields[1], "");
	CHECK_EQ_STR(c.fields[2], "x,y");
	CHECK_EQ_INT(csv_next(&c), 0);
	csv_close(&c);

	/* a tie chooses the comma; quotes hide separators from the choice */
	CHECK_EQ_INT(read_all("a;b,c\n1;2,3\n", &c), 1);
	CHECK_EQ_INT(c.sep, ',');
	csv_close(&c);
	CHECK_EQ_INT(read_all("\"a,b,c\";d;e\n", &c), 1);
	CHECK_EQ_INT(c.sep, ';');
	CHECK_EQ_STR(c.fields[0], "a,b,c");
	csv_close(&c);

	/* empty lines and lines of separators count as rows but are skipped */
	CHECK_EQ_INT(read_all("x,y\n\n,\n1,2\n\n", &c), 1);
	CHECK_EQ_INT(csv_next(&c), 1);
	CHECK_EQ_INT(c.row, 4);
	CHECK_EQ_STR(c.fields[0], "1");
	CHECK_EQ_INT(csv_next(&c), 0);
	csv_close(&c);

	/* old Mac CR line ends; a quote inside an unquoted field is kept */
	CHECK_EQ_INT(read_all("x\r5\"6\r", &c), 1);
	CHECK_EQ_INT(csv_next(&c), 1);
	CHECK_EQ_STR(c.fields[0], "5\"6");
	CHECK_EQ_INT(c.row, 2);
	csv_close(&c);

	/* errors: an unclosed quote names its row; bad UTF-8; NUL */
	CHECK_EQ_INT(read_all("x,y\n1,\"open\n2,3\n", &c), 1);
	CHECK_EQ_INT(csv_next(&c), -1);
	CHECK(strstr(c.error, "row 2") != NULL);
	csv_close(&c);
	CHECK_EQ_INT(read_all("x\n\xC3\x28\n", &c), 1);
	CHECK_EQ_INT(csv_next(&c), -1);
	CHECK(strstr(c.error, "UTF-8") != NULL);
	csv_close(&c);
	{
		static const char nul[] = "x\na\0b\n";
		csv_open(&c, nul, sizeof nul - 1);
		CHECK_EQ_INT(csv_next(&c), 1);
		CHECK_EQ_INT(csv_next(&c), -1);
		csv_close(&c);
	}
	CHECK_EQ_INT(csv_utf8_valid("\xED\xA0\x80", 3), 0);    /* a surrogate */
	CHECK_EQ_INT(csv_utf8_valid("\xC0\xAF", 2), 0);        /* overlong */
	CHECK_EQ_INT(csv_utf8_valid("đ", strlen("đ")), 1);

	/* too many fields */
	{
		char many[CSV_MAX_FIELDS * 2 + 8];
		int i;
		for (i = 0; i < CSV_MAX_FIELDS + 1; i++) {
			many[2 * i] = 'a';
			many[2 * i + 1] = ',';
		}
		many[2 * CSV_MAX_FIELDS + 1] = '\n';
		many[2 * CSV_MAX_FIELDS + 2] = '\0';
		CHECK_EQ_INT(read_all(many, &c), -1);
		csv_close(&c);
	}
	return CHECK_DONE();
}
