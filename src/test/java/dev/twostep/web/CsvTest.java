package dev.twostep.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The console's CSV cells: quoted, quotes doubled, and never a formula when a spreadsheet opens them. */
class CsvTest {
    @Test
    void cellsAreQuotedWithTheirQuotesDoubled() {
        assertEquals("\"alice\"", Csv.cell("alice"));
        assertEquals("\"say \"\"hi\"\", then, go\"", Csv.cell("say \"hi\", then, go"));
        assertEquals("\"two\nlines\"", Csv.cell("two\nlines"));
        assertEquals("", Csv.cell(null));
        assertEquals("\"\"", Csv.cell(""));
    }

    @Test
    void whatASpreadsheetWouldRunAsAFormulaIsText() {
        assertEquals("\"'=HYPERLINK(\"\"http://x\"\")\"", Csv.cell("=HYPERLINK(\"http://x\")"));
        assertEquals("\"'+1\"", Csv.cell("+1"));
        assertEquals("\"'-2+3\"", Csv.cell("-2+3"));
        assertEquals("\"'@SUM(A1)\"", Csv.cell("@SUM(A1)"));
        assertEquals("\"'\t=1\"", Csv.cell("\t=1"));
        assertEquals("\"a=1\"", Csv.cell("a=1"));
    }
}
