"""Embedded name lists, so generation needs no download: first names and surnames common in the
US across many origins (Anglo, Hispanic, African American, East, South and Southeast Asian,
Arab, European, Jewish, West African). 160 x 160 combinations keep thousands of names unique.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words("""
Aaliyah Aaron Abdul Adriana Ahmed Aisha Alejandro Alex Alicia Amara Amir Ana Andre Angela Anh
Anjali Antonio Arjun Ava Ayesha Beatriz Benjamin Bianca Bo Brandon Brianna Camila Carlos Carmen
Chen Chloe Chinedu Cristina Dakota Daniel Darius Deepa Denise DeShawn Diego Dmitri Eduardo Elena
Elijah Emeka Emily Esperanza Ethan Fatima Felix Fernando Gabriel Grace Hana Hannah Harper Hassan
Hector Hiroshi Hugo Ibrahim Imani Isabel Isaiah Jada Jamal James Jasmine Javier Jin Jordan Jose
Joy Juan Julia Jun Kai Kaitlyn Kamala Karim Keisha Kenji Kevin Kiara Kofi Lakshmi Layla Leila Leo
Li Lucia Luis Lupe Malik Manuel Mariam Marisol Marcus Mateo Maya Mei Miguel Min Mohammed Nadia
Naomi Nia Nikhil Noah Nora Olivia Omar Oscar Pablo Priya Quinn Rafael Rahul Rania Raul Rebecca
Reggie Rosa Ruth Ryan Samir Samuel Sanjay Sara Shanice Sofia Soo-jin Sophia Tamika Tanisha Tariq
Terrence Thanh Theo Tomas Tyrone Valentina Vanessa Victor Vikram Wei William Xavier Yara Yasmin
Yusuf Zainab Zara Zoe Walter Dolores Harold Ingrid Marta Patrick
""")

LAST = _words("""
Abbott Acosta Adeyemi Ahmed Alvarez Anderson Banerjee Baker Bennett Brooks Brown Bui Campbell
Carter Castillo Chang Chavez Chen Choi Cohen Coleman Cruz Das Davis Delgado Diaz Dubois Edwards
Evans Flores Foster Garcia Gonzalez Gordon Green Gupta Gutierrez Haddad Hall Harris Hernandez Ho
Huang Hughes Ibrahim Jackson James Jenkins Johnson Jones Kang Kaplan Kelly Khan Kim Kowalski
Kumar Le Lee Levi Lewis Lin Liu Lopez Martin Martinez Mendoza Miller Mitchell Moore Morales
Murphy Nakamura Nguyen Novak Nwosu Obi Okafor Okonkwo Olsen Ortiz Park Patel Perez Peterson
Pham Phillips Price Ramirez Ramos Reddy Reyes Richardson Rivera Roberts Robinson Rodriguez
Rossi Russell Saleh Sanchez Santos Sato Schmidt Scott Shah Silva Singh Smith Sokolov Stewart
Sullivan Suzuki Tanaka Taylor Thomas Thompson Torres Tran Turner Vargas Vasquez Walker Wang
Washington Watson White Williams Wilson Wong Wright Wu Yamamoto Yang Young Zhang Zhou Ali
Becker Begay Castro Dang Friedman Hoang Iyer Jovanovic Kaur Mahmoud Mensah Nair Oyelaran
Petrov Quintero Rahman Romero Sandoval Tsosie Vu Yilmaz Zamora Abiodun Chowdhury
""")
