"""Reading corpora from the files people have: one reader per format behind one interface."""
