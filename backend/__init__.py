"""SessionDesk: publish, track, correct and clean up mentoring sessions."""
