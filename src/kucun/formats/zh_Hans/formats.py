# Django's Simplified Chinese formats group digits in fours with no separator, so 12,345 would
# read as 12345. Merchants' systems and spreadsheets group in threes with commas, as English does;
# the rest of the formats are Django's.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
