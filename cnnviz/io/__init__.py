"""Files in and out: decoding uploads safely, exporting PNG, GIF and CSV."""
