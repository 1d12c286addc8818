"""Series of meetings with one guiding question: regional conferences, an online week and
a phone channel collect proposals that keep their origin."""
