"""What a results folder says about the class: statistics, the HTML report and its figures."""
