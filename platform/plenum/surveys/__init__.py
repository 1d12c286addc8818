"""Member surveys: questionnaires answered online or on the phone, and their evaluation."""
