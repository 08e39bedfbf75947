-- 0004: the pages whose text came from OCR, so readers are told the text may contain errors.
ALTER TABLE documents ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]';
