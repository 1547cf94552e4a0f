"""What the bytes mean: TIFF IFDs, EXIF, GPS, XMP and the decoding of their text."""
