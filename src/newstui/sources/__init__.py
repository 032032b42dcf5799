"""Where articles come from: local files, feed documents, OPML lists and (in fetch) the web."""
