"""Text from sources: plain text out of HTML, and the conventions titles follow."""
