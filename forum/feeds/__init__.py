"""Atom feeds, the sitemap and robots.txt: what crawlers and feed readers may fetch."""
