"""Every file a build writes: the review workbook, the upload files, the store CSVs, the JSON, the report and
the scripts' files."""
