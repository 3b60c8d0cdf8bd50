"""The conflict-news NER development set (see ``bench/ner_dev/README.md``)."""
